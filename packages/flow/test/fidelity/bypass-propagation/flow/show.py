from promptflow.core import tool


@tool
def show(without_default, present, with_default="(default used)") -> str:
    return f"with_default={with_default!r} without_default={without_default!r} present={present!r}"
