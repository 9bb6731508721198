"""What comes back from a clearinghouse: TA1, 999, 277CA and 277 readers, the 276 writer, a claim's submission
history, and the `x12 import` door that sends each returned file to the code that applies it."""
