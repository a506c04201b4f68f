"""HTTP server of the data app: `/api/<endpoint>` answers JSON rows, `/` a small HTML page.

On Databricks Apps it runs `main()` (app.yaml): queries go to the SQL warehouse the app's resources name,
as the app's service principal. Locally, `serve(...)` takes any backend, e.g. Spark over the runner's Delta
tables, and listens on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import json
import os
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from lakehouse.app.queries import Endpoint, endpoints
from lakehouse.catalogue import load_catalogue


class Backend(Protocol):
    """Runs one SQL query and returns its rows as dicts."""

    def query(self, sql: str) -> list[dict[str, Any]]: ...


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


class AppServer(ThreadingHTTPServer):
    """Serves the endpoints over `backend`, with table full names from `table_name(key)`."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        backend: Backend,
        table_name: Callable[[str], str],
        routes: Mapping[str, Endpoint],
    ) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.table_name = table_name
        self.routes = routes

    def rows(self, endpoint: str) -> list[dict[str, Any]]:
        route = self.routes[endpoint]
        rows = self.backend.query(route.sql(self.table_name(route.table.key)))
        return [{c: _json_value(r.get(c)) for c in route.columns} for r in rows]


class _Handler(BaseHTTPRequestHandler):
    server: AppServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.startswith("/api/"):
            endpoint = path.removeprefix("/api/")
            if endpoint not in self.server.routes:
                self._send(404, "application/json", json.dumps({"error": f"no endpoint '{endpoint}'"}))
                return
            try:
                body = json.dumps({"endpoint": endpoint, "rows": self.server.rows(endpoint)})
            except Exception as error:  # a failing query is an answer, not a dead server
                self._send(502, "application/json", json.dumps({"error": str(error).splitlines()[0]}))
                return
            self._send(200, "application/json", body)
            return
        if path == "":
            links = "".join(
                f'<li><a href="/api/{html.escape(e)}">{html.escape(e)}</a></li>' for e in self.server.routes
            )
            self._send(200, "text/html", f"<h1>Lakehouse sales</h1><ul>{links}</ul>")
            return
        self._send(404, "text/plain", "not found")

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve(
    backend: Backend, table_name: Callable[[str], str], host: str = "127.0.0.1", port: int = 0
) -> AppServer:
    """Starts the server in a background thread; `port` 0 picks a free one (`server.server_address`)."""
    server = AppServer((host, port), backend, table_name, endpoints(load_catalogue()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class WarehouseBackend:
    """Databricks SQL warehouse through databricks-sql-connector, as the app's service principal."""

    def __init__(self, warehouse_id: str) -> None:
        from databricks import sql  # provided by the app's requirements, not by the jobs
        from databricks.sdk.core import Config, oauth_service_principal

        config = Config()
        self._connect = lambda: sql.connect(
            server_hostname=config.host,
            http_path=f"/sql/1.0/warehouses/{warehouse_id}",
            credentials_provider=lambda: oauth_service_principal(config),
        )

    def query(self, sql_text: str) -> list[dict[str, Any]]:
        with self._connect() as connection, connection.cursor() as cursor:
            cursor.execute(sql_text)
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def main() -> None:
    """Databricks Apps entry point: warehouse and catalog from the app's environment (app.yaml)."""
    catalog = os.environ["LAKEHOUSE_CATALOG"]
    backend = WarehouseBackend(os.environ["DATABRICKS_WAREHOUSE_ID"])
    server = AppServer(
        # Databricks Apps route to the port they set, on every interface of the app's container.
        ("0.0.0.0", int(os.environ.get("DATABRICKS_APP_PORT", "8000"))),
        backend,
        lambda key: f"{catalog}.{key}",
        endpoints(load_catalogue()),
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
