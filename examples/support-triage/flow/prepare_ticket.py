from promptflow.core import tool


@tool
def prepare_ticket(subject: str, body: str, max_chars: int = 800) -> str:
    """Joins subject and body into one text, collapsing whitespace and truncating long tickets."""
    text = f"Subject: {subject.strip()}\n\n{' '.join(body.split())}"
    return text[:max_chars]
