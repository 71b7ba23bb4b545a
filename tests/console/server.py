"""A seeded console server for the browser tests: `python server.py DATABASE_URL PORT DATA_DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from liandong.api.app import create_app
from liandong.config import Settings
from liandong.database import create_db_engine, make_session_factory
from liandong.database.migrate import upgrade
from liandong.demo import city, day, users
from liandong.reference import flows as reference


def main() -> None:
    url, port, data_dir = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with factory() as session:
        city.seed(session=session)
        users.seed(session=session)
        session.commit()
        reference.load_reference(session=session)
        day.replay_day(session=session, count=40)
    settings = Settings(database_url=url, environment="test", data_dir=data_dir)
    print("ready", flush=True)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
