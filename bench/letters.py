"""Benchmark of credential letters by e-mail: letters per second sent to a real SMTP server on
this machine (aiosmtpd, as the tests use), against the dry run that writes the same messages
as .eml files, measured in the same run.

    .venv/bin/python bench/letters.py [--voters N] [--repeat R]

N voters (default 300), half of them in Russian; the journal line of each letter is written and
flushed to disk (fsync) before the next is sent, in both paths. Prints the letters per second
of each path (best of R) and their ratio: the price of SMTP and the journal's fsync over
writing the messages, on one connection to a server that does nothing with them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "cli"))  # the tests' SMTP kit
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # its free_port (serverkit)

from smtpkit import Mailbox, smtp_server

from vybory import protocol
from vybory.cli._common import write_private
from vybory.mail.issued import file_name
from vybory.mail.letters import Letter
from vybory.mail.sending import MailSettings, send_letters, write_messages
from vybory.model.definition import Voter


def letters(n: int) -> list[Letter]:
    out = []
    for k in range(n):
        voter = Voter(str(1000 + k), f"Voter {k}", "all", 1, f"voter{k}@example.org", "ru" if k % 2 else "en")
        secret, _public = protocol.generate_credential()
        out.append(Letter("Club board election", "club-2025", "ab" * 32, voter, "Whole club", secret,
                          "https://vote.example.org"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    batch = letters(args.voters)
    now = datetime.now(UTC)
    dry, sent = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            settings = MailSettings.from_environment({"VYBORY_SMTP_HOST": "127.0.0.1", "VYBORY_SMTP_SECURITY": "none",
                                                      "VYBORY_SMTP_FROM": "credentials@club.example"})
            started = time.perf_counter()
            run = write_messages(batch, settings.sender, Path(folder) / "mail", now=now, write=write_private,
                                 file_name=file_name)
            dry.append(time.perf_counter() - started)
            assert run.count("written") == len(batch)
            mailbox = Mailbox()
            with smtp_server(mailbox) as port:
                settings = MailSettings.from_environment({
                    "VYBORY_SMTP_HOST": "127.0.0.1", "VYBORY_SMTP_PORT": str(port), "VYBORY_SMTP_SECURITY": "none",
                    "VYBORY_SMTP_FROM": "credentials@club.example"})
                started = time.perf_counter()
                run = send_letters(batch, settings, Path(folder) / "delivery.csv")
                sent.append(time.perf_counter() - started)
            assert run.count("sent") == len(batch) == len(mailbox.received)
    best_dry, best_sent = min(dry), min(sent)
    print(f"letters: {args.voters} voters, best of {args.repeat}")
    print(f"  dry run (.eml files + journal): {args.voters / best_dry:8.0f} letters/s")
    print(f"  SMTP to 127.0.0.1 (+ journal):  {args.voters / best_sent:8.0f} letters/s")
    print(f"  ratio sent / dry run time:      {best_sent / best_dry:8.2f}")


if __name__ == "__main__":
    main()
