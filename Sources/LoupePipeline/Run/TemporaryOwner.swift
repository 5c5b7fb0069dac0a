import Foundation

/// The host and process writing a temporary file or folder, kept in its name so that a later run can tell
/// what a killed writer left behind from what a live one is still writing.
///
/// A name carries the tag `<pid>-<random hex>-<host>`. A leftover counts as abandoned only when it was made
/// on this host and no process with its pid exists: a pid says nothing about another machine sharing the
/// output folder, so other hosts' files are never touched. A reused pid keeps a leftover a while longer,
/// never the other way round.
struct TemporaryOwner: Equatable {
    var pid: pid_t
    var host: String

    /// This process on this host.
    static let current = TemporaryOwner(pid: getpid(), host: hostName())

    /// A tag for a new temporary name; the random part keeps two writers of one process apart.
    static func freshTag() -> String {
        "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))-\(current.host)"
    }

    init(pid: pid_t, host: String) {
        self.pid = pid
        self.host = host
    }

    /// Reads a tag written by `freshTag()`; nil for anything else (such a file is left alone).
    init?(tag: Substring) {
        let fields = tag.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let pid = pid_t(fields[0]), pid > 0, UInt64(fields[1], radix: 16) != nil, !fields[2].isEmpty else {
            return nil
        }
        self.init(pid: pid, host: String(fields[2]))
    }

    /// Whether the writer has surely ended: it ran on this host and no process has its pid now.
    var hasEnded: Bool {
        guard host == Self.current.host, pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH  // EPERM: another user's live process
    }

    /// This machine's host name, with anything but letters, digits, `.` and `-` replaced (it goes into file names).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "-") ? Character(scalar) : "_"
        })
        return safe.isEmpty ? "localhost" : safe
    }
}
