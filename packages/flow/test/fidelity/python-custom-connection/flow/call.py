from promptflow.connections import CustomConnection
from promptflow.core import tool


@tool
def call(conn: CustomConnection, q: str) -> dict:
    return {
        "type": type(conn).__name__,
        "endpoint": conn.configs["endpoint"],
        "retries": conn.configs["retries"],
        "attr": conn.endpoint,
        "token_ok": conn.secrets["token"] == "s3cr3t-token",
        "q": q,
    }
