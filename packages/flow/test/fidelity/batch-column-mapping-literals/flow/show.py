from promptflow.core import tool


@tool
def show(config) -> str:
    return repr(config)
