import time

from promptflow.core import tool


@tool
def slow(n: int) -> int:
    time.sleep((6 - n) * 0.05)
    if n == 4:
        raise ZeroDivisionError("division by zero")
    return n
