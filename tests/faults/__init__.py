"""Fault injection: real bot processes against real servers, with faults injected."""
