from promptflow.core import tool


@tool
def echo(value):
    return repr(value)
