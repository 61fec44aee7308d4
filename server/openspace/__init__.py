"""Open Space: the marketplace, the wall and its scheduler, topic circles, harvest and convergence."""
