from promptflow.core import tool


@tool
def pick(value):
    return value
