"""Evaluation: AP, paired VQA / retrieval, caption and trajectory metrics; reports."""
