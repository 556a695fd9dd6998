"""The credential authority's letters: the words of a letter in the voter's language, and
sending letters by e-mail (SMTP) with a per-voter delivery journal.

This runs on the credential authority's own machine, never on the election's server:
the letters hold the secret credentials. ``letters`` writes a letter (printed or e-mail),
``sending`` reads the SMTP settings from the environment and sends, recording each voter's
outcome so that a second run sends only to those who have not got a letter.
"""
