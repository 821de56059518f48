"""Pictures the assistant sends: the account's style map (情感度 × 表达度)."""
