"""Dépêche's front ends, each a thin layer over the core `index.engine.Engine`.

`bot.cli` is the `depeche` console script (operator commands and the terminal chat, `bot.chat`);
`bot.tgbot` is the Telegram adapter (named so it cannot shadow python-telegram-bot's `telegram`).
"""
