"""Knowledge base: YAML schema and loader, lawfulness check, query API.

    from keqing.kb.query import KnowledgeBase
    from keqing.kb.loader import load, KnowledgeError
"""
