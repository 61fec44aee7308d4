"""World Café: tables, hosts who stay, rounds, a seating that avoids meeting twice, and the harvest."""
