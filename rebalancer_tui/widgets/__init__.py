"""The app's widgets, one per module. They post messages; they never query siblings."""
