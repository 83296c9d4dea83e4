"""The application services: small single-purpose objects built once per cache dir by the
composition root (`services.root.open_services`). Both front ends use only these; no command
or screen opens a store itself."""
