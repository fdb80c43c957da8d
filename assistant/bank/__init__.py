"""Question bank and rubrics: YAML files validated with pydantic."""

from assistant.bank.loader import Bank, BankProblem, load_bank

__all__ = ["Bank", "BankProblem", "load_bank"]
