// ChatBackend has no code of its own; this file gives moc a source to pair the header with.
#include "app/chat_backend.hpp"
