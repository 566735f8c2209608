#include "app/ingestion/thread_priority.hpp"

#include "app/ingestion/ingestion_log.hpp"

#include <cerrno>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace fathom::ingestion {

void lowerCurrentThreadPriority(int nice) {
#ifdef __linux__
    // setpriority on a thread id changes that thread only (Linux threads are scheduled one by one).
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0 && current >= nice) return;  // already at least this nice (a pool thread reused)
    if (::setpriority(PRIO_PROCESS, tid, nice) != 0)
        ingestLog()->warn("could not lower a background thread's priority (nice {})", nice);
#else
    (void)nice;
#endif
}

}  // namespace fathom::ingestion
