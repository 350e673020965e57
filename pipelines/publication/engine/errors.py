"""The one error of the publication engine: it names the file and line (or the key) at fault."""


class RenderError(Exception):
    pass


def where(path, line: int | None = None) -> str:
    return f"{path}:{line}" if line else str(path)
