"""The Lakeflow (Spark) Declarative Pipeline for silver and gold.

`definitions/` holds the pipeline source files (the only modules importing `pyspark.pipelines`): the
Pipeline construct deploys `lakehouse/pipelines/definitions/**` as the pipeline's libraries, and
`python -m lakehouse.pipelines.local` runs the same files locally with `spark-pipelines`. `config`
reads the pipeline's `lakehouse.*` configuration keys, `datasets` names the datasets and holds the
whole-table transforms; the expectations come from `lakehouse.quality.expectations`.
"""
