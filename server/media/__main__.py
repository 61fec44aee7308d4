"""``python -m server.media``: the media process (see server/media/__init__.py)."""

from server.media.service import main

if __name__ == "__main__":
    main()
