// Background work (reading documents, laying them out for a prompt) runs a little nicer than the UI thread, so
// on a machine with few cores the window keeps reacting while it runs. Linux only; elsewhere a no-op.
#pragma once

namespace fathom::ingestion {

constexpr int kBackgroundNice = 5;  // the engine thread's too

// Sets the calling thread's nice value to at least `nice`; logs (does not throw) when the system refuses.
void lowerCurrentThreadPriority(int nice = kBackgroundNice);

}  // namespace fathom::ingestion
