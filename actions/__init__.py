"""Custom actions of 客情参谋 (rasa_sdk). Thin: the wording lives in keqing.replies, the data in
keqing.kb.query (knowledge base) and keqing.memory (customer memory)."""
