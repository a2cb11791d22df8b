from promptflow.core import tool


@tool
def broken(count: int) -> float:
    raise ValueError(f"cannot aggregate {count} scores")
