from promptflow.core import tool


@tool
def values(topic: str) -> dict:
    return {"none": None, "flag": topic != "", "d": {"a": 1, "b": "x"}, "l": [1, "x", 2.5], "f": 1.0, "i": len(topic)}
