from promptflow import tool


@tool
def stats(text: str) -> dict:
    words = text.split()
    return {"words": len(words), "upper": text.upper(), "ratio": len(words) / 2, "none": None, "flag": bool(words)}
