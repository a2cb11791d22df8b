from promptflow.core import tool


@tool
def types_of(n, x):
    return f"{type(n).__name__} {type(x).__name__} {n!r} {x!r}"
