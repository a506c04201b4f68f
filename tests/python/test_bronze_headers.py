"""Header lines of local CSV landing files: normalised before drift detection, unreadable files named."""

from __future__ import annotations

import json
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.bronze.headers import check_header, normalise_names, split_header_line
from lakehouse.bronze.readers import CORRUPT, RESCUED, SOURCE_FILE, rescue_csv, string_schema

DECLARED = ("order_id", "customer_id", "order_status")


def _file(tmp_path: Path, content: bytes, name: str = "orders-2017-10-02.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_byte_order_mark_crlf_quotes_and_spaces_are_not_drift(tmp_path: Path) -> None:
    variants = [
        b"\xef\xbb\xbforder_id,customer_id,order_status\r\n1,2,3\r\n",
        b'"order_id","customer_id","order_status"\n"1","2","3"\n',
        b" order_id , customer_id,order_status \n1,2,3\n",
        b"\xef\xbb\xbf\"order_id\",'customer_id' ,order_status\r\n",
    ]
    for number, content in enumerate(variants):
        check = check_header(_file(tmp_path, content, f"v{number}.csv"), DECLARED)
        assert (check.names, check.unreadable) == (DECLARED, None), content


def test_empty_and_repeated_names_get_their_position(tmp_path: Path) -> None:
    assert normalise_names(["order_id", "", "order_id", ' "" ']) == ("order_id", "_c1", "_c2", "_c3")
    # A quoted name may hold the delimiter and odd characters; it stays one name.
    assert split_header_line('order_id,"note, free text",`weird`<name>\r\n') == [
        "order_id",
        "note, free text",
        "`weird`<name>",
    ]


def test_a_file_with_no_bytes_holds_no_rows_and_is_not_rejected(tmp_path: Path) -> None:
    check = check_header(_file(tmp_path, b""), DECLARED)
    assert (check.names, check.unreadable) == ((), None)


def test_unreadable_files_are_named_with_their_reason(tmp_path: Path) -> None:
    binary = check_header(_file(tmp_path, b"PK\x03\x04\x14\x00\x00\x00\x08\x00order_id", "a.csv"), DECLARED)
    assert (binary.unreadable or "").startswith("binary content")
    latin = check_header(
        _file(tmp_path, "order_id,customer_id\n1,S\xe3o Paulo\n".encode("latin-1"), "b.csv"), DECLARED
    )
    assert (latin.unreadable or "").startswith("not UTF-8 text: byte 24")
    # The same bytes are fine when the source declares its encoding.
    assert check_header(tmp_path / "b.csv", DECLARED, encoding="ISO-8859-1").unreadable is None
    headerless = check_header(_file(tmp_path, b"e481f51c,9ef432eb,delivered\n", "c.csv"), DECLARED)
    assert "shares no column" in (headerless.unreadable or "")
    blank = check_header(_file(tmp_path, b" , ,\r\n1,2,3\r\n", "d.csv"), DECLARED)
    assert blank.unreadable == "no header line: the first line names no column"


def test_drift_re_parse_takes_any_header_name(spark: SparkSession) -> None:
    # Names that would break an unquoted DDL string: spaces, a back-quote, angle brackets.
    header = ("order_id", "note, free", "`odd`<name>", "customer_id")
    source_file = "file:/landing/orders/orders-drift.csv"
    df = spark.createDataFrame(
        [(None, None, None, '1,"a, b",x,2', source_file)],
        string_schema(("order_id", "customer_id", "order_status"), CORRUPT, SOURCE_FILE),
    )
    row = df.transform(rescue_csv(DECLARED, {"orders-drift.csv": header})).collect()[0]
    assert (row["order_id"], row["customer_id"], row["order_status"]) == ("1", "2", None)
    assert json.loads(row[RESCUED]) == {"note, free": "a, b", "`odd`<name>": "x", "_file_path": source_file}
