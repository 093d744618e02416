"""The worlds agents act in: travel bookings, and the tool catalogue that grows scope."""
