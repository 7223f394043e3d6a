"""The desk's screens: one module per screen, dialogs as ModalScreen[T] returning a value."""
