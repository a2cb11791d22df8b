from promptflow.core import tool


@tool
def gen(n: int):
    for i in range(n):
        yield i
        yield "-"
    yield 1.0
    yield None
