"""Custom actions of 客情参谋 (rasa_sdk). Thin: the wording lives in keqing.dialogue.replies, the data in
keqing.dialogue (each action is one call into it). Importing the package redacts secrets in logs."""
from keqing import logsafe

logsafe.install()
