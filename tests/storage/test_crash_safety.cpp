// A writer process killed with SIGKILL in the middle of a stream of messages: after reopening, the file
// passes integrity_check, every commit the writer reported is there in full, and no message is half-written.
#include "storage/conversation_store.hpp"
#include "temp_dir.hpp"
#include "unit.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>

using namespace fathom::storage;
using storage_test::TempDir;

namespace {

// Message i's content: large enough (up to ~300 KB) that a kill usually lands inside a write, and
// recomputable, so a truncated or mixed-up row cannot pass.
std::string expected_content(int64_t i) {
    const size_t length = 2000 + static_cast<size_t>((i * 7919) % 300000);
    std::string text(length, ' ');
    for (size_t k = 0; k < length; ++k) text[k] = static_cast<char>('a' + (k * 31 + static_cast<size_t>(i)) % 26);
    return text;
}

std::string writer_tag(int64_t i) { return "writer-" + std::to_string(i); }

struct Report {
    int64_t index;
    int64_t message_id;
};

// The child: opens its own connection (never share one across fork), appends messages until killed and
// reports each one after its commit returned.
[[noreturn]] void run_writer(const std::filesystem::path& path, int64_t conversation, int64_t first, int report_fd) {
    try {
        Database db(path);
        ConversationStore store(db);
        for (int64_t i = first;; ++i) {
            Message m;
            m.conversation_id = conversation;
            m.role = i % 2 ? "assistant" : "user";
            m.content = expected_content(i);
            m.model = writer_tag(i);
            const Message stored = store.append_message(m);
            const Report report{i, stored.id};
            if (write(report_fd, &report, sizeof report) != sizeof report) _exit(3);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "writer failed: %s\n", e.what());
        _exit(2);
    }
}

bool read_report(int fd, Report& report) {
    size_t got = 0;
    auto* bytes = reinterpret_cast<char*>(&report);
    while (got < sizeof report) {
        const ssize_t n = read(fd, bytes + got, sizeof report - got);
        if (n <= 0) return false;
        got += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

TEST("SIGKILL mid-write never corrupts the file and keeps every reported commit") {
    TempDir dir;
    const auto path = dir.file("crash.db");
    int64_t conversation = 0;
    {
        Database db(path);
        conversation = ConversationStore(db).create_conversation("crash target").id;
    }

    std::map<int64_t, int64_t> reported;  // index -> message id, over all rounds
    int64_t next_index = 0;
    // Different delays after the last report shift where in the next write the kill lands.
    const int delays_us[] = {0, 150, 700, 2500, 40};
    for (int round = 0; round < 5; ++round) {
        int fds[2];
        CHECK_EQ(pipe(fds), 0);
        const pid_t child = fork();
        if (child == 0) {
            close(fds[0]);
            run_writer(path, conversation, next_index, fds[1]);
        }
        close(fds[1]);
        const int wanted = 25 + round * 5;
        int received = 0;
        Report report{};
        while (received < wanted && read_report(fds[0], report)) {
            reported[report.index] = report.message_id;
            next_index = report.index + 1;
            ++received;
        }
        CHECK_EQ(received, wanted);  // fewer means the writer died on its own
        usleep(delays_us[round]);
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        // Reports sent between our last read and the kill are commits too.
        while (read_report(fds[0], report)) {
            reported[report.index] = report.message_id;
            next_index = report.index + 1;
        }
        close(fds[0]);
        // Rows committed but not reported may exist past the last report: the next round uses a fresh range.
        next_index = (round + 1) * 1000000;
        Database db(path);
        CHECK_EQ(db.integrity_check(), std::string("ok"));
    }

    Database db(path);
    CHECK_EQ(db.integrity_check(), std::string("ok"));
    ConversationStore store(db);
    const auto messages = store.messages(conversation);
    std::map<int64_t, const Message*> by_id;
    for (const auto& m : messages) by_id[m.id] = &m;

    int missing = 0, damaged = 0;
    for (const auto& [index, id] : reported) {
        auto found = by_id.find(id);
        if (found == by_id.end()) {
            ++missing;
            continue;
        }
        if (found->second->model != writer_tag(index) || found->second->content != expected_content(index)) ++damaged;
    }
    CHECK_EQ(missing, 0);
    CHECK_EQ(damaged, 0);
    // Rows nobody reported (killed between commit and report) must still be whole.
    int partial = 0;
    for (const auto& m : messages) {
        const int64_t index = std::stoll(m.model.substr(std::strlen("writer-")));
        if (m.content != expected_content(index)) ++partial;
    }
    CHECK_EQ(partial, 0);
    CHECK(messages.size() >= reported.size());
    std::fprintf(stderr, "  %zu reported commits, %zu rows after 5 kills\n", reported.size(), messages.size());
}

UNIT_MAIN()
