from promptflow.core import tool


@tool
def make(key: str) -> dict:
    out = {"a": {"k": [10, 20]}, "b": [{"c": "zero"}, {"c": "one"}], "sp": {"with space": "spaced"}}
    if key != "drop":
        out["extra"] = key.upper()
    return out
