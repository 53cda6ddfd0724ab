"""Two-factor sign-in, in one place: the rules and writes (``services``), the pages
(``views`` and ``forms``) and the check on every request (``middleware``)."""
