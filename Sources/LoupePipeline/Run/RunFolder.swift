import Dispatch
import Foundation
import LoupeTensor

/// A job's output folder, built under a temporary name and moved into place only when complete.
///
/// Files go to `<output>/<job>/.<run-id>.partial-<pid>-<random>-<host>/`, a name no other run shares, so
/// two runs of the same job at the same second never write into one folder; `commit()` renames it to
/// `<output>/<job>/<run-id>/`. A failed or interrupted job removes the temporary folder, and the
/// temporary folders of runs on this host whose process no longer exists (a SIGKILL, a crash) are
/// removed when the job next runs, so no partial report is left behind.
public final class RunFolder {
    public let finalURL: URL
    public let temporaryURL: URL
    public let runID: String
    private var committed = false

    /// Creates the temporary folder (and the job folder above it).
    public init(outputFolder: String, jobName: String, runID: String) throws {
        let jobURL = URL(fileURLWithPath: outputFolder).appendingPathComponent(jobName)
        self.runID = runID
        finalURL = jobURL.appendingPathComponent(runID)
        temporaryURL = jobURL.appendingPathComponent(".\(runID)\(RunFolder.partialMarker)\(TemporaryOwner.freshTag())")
        do {
            try FileManager.default.createDirectory(at: jobURL, withIntermediateDirectories: true)
            RunFolder.removeAbandonedPartials(in: jobURL)
            try FileManager.default.createDirectory(at: temporaryURL, withIntermediateDirectories: false)
        } catch {
            throw LoupeError(.io, file: jobURL.path, location: "output", "cannot create the output folder (\(error.localizedDescription))")
        }
        guard FileManager.default.isWritableFile(atPath: temporaryURL.path) else {
            throw LoupeError(.io, file: jobURL.path, location: "output", "the output folder is not writable")
        }
        Interrupts.shared.register(temporaryURL)
    }

    /// What separates the run id from the owner's pid in a temporary folder's name.
    static let partialMarker = ".partial-"

    /// Removes temporary folders of `jobURL` whose process has exited without cleaning up (SIGKILL, a
    /// crash); a folder whose process still runs (a concurrent run), or that another host writes, is left alone.
    static func removeAbandonedPartials(in jobURL: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: jobURL.path)) ?? []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: partialMarker, options: .backwards) else { continue }
            let tag = name[marker.upperBound...]
            // Names without a host (`<pid>-<random>`) come from Loupe versions that wrote only the pid.
            let owner = TemporaryOwner(tag: tag)
                ?? tag.split(separator: "-").first.flatMap { pid_t($0) }.map { TemporaryOwner(pid: $0, host: TemporaryOwner.current.host) }
            guard let owner, owner.pid > 0, owner.hasEnded else { continue }
            try? FileManager.default.removeItem(at: jobURL.appendingPathComponent(name))
        }
    }

    /// Removes what process `pid` left in `jobURL` (its temporary run folders, a folder it was moving
    /// aside, its staged `latest` link) after it ended without cleaning up; then the job folder itself if empty.
    static func removeLeftovers(ofProcess pid: pid_t, in jobURL: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: jobURL.path)) ?? []
        for name in names where name.hasPrefix(".") {
            let owned = [partialMarker, ".replaced-"].contains { name.contains("\($0)\(pid)-") } || name == ".latest-\(pid)"
            if owned { try? FileManager.default.removeItem(at: jobURL.appendingPathComponent(name)) }
        }
        rmdir(jobURL.path)
    }

    /// The path of a file inside the (temporary) run folder.
    public func path(_ name: String) -> String { temporaryURL.appendingPathComponent(name).path }

    /// Writes data to a file of the run folder (flushed before the folder is committed).
    public func write(_ data: Data, to name: String) throws {
        let url = temporaryURL.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw LoupeError(.io, file: url.path, "cannot write (\(error.localizedDescription))")
        }
    }

    /// Moves the finished folder into place.
    ///
    /// An existing folder of the same run id (a rerun, or a concurrent run that finished first) is
    /// replaced: it is renamed aside first, so the run id always names one complete run, never a mix.
    public func commit() throws {
        let aside = temporaryURL.deletingLastPathComponent()
            .appendingPathComponent(".\(runID).replaced-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        // Never while an interrupt handler empties the temporary folder: that would commit half a run.
        try Interrupts.shared.committing(temporaryURL) {
            var attempts = 0
            while rename(temporaryURL.path, finalURL.path) != 0 {
                let failure = errno
                attempts += 1
                // A non-empty folder is in the way: move it aside and try again (another run may race us).
                guard failure == EEXIST || failure == ENOTEMPTY, attempts < 20 else {
                    throw LoupeError(.io, file: finalURL.path, "cannot move the finished run into place (\(String(cString: strerror(failure))))")
                }
                _ = rename(finalURL.path, aside.path)
            }
        }
        try? FileManager.default.removeItem(at: aside)
        committed = true
    }

    /// Removes the temporary folder (after a failure).
    public func discard() {
        guard !committed else { return }
        try? FileManager.default.removeItem(at: temporaryURL)
        // A job folder this failed run created stays only if it holds something else (earlier runs).
        rmdir(temporaryURL.deletingLastPathComponent().path)
        Interrupts.shared.unregister(temporaryURL)
    }
}

/// Removes registered temporary folders when SIGINT or SIGTERM arrives, then exits (130 / 143).
///
/// In `loupe run` the signal is first forwarded to the running job process, which removes its own
/// temporary folder; what it still left is removed here before exiting.
final class Interrupts: @unchecked Sendable {
    static let shared = Interrupts()
    private let lock = NSLock()
    private var paths = Set<URL>()
    private var children: [pid_t: URL] = [:]
    private var interrupted = false
    private var sources: [DispatchSourceSignal] = []

    private init() {
        for (signalNumber, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                self?.markInterrupted()
                self?.stopChildren(forwarding: signalNumber)
                self?.cleanUp()
                FileHandle.standardError.write(Data("loupe: interrupted; temporary files removed\n".utf8))
                exit(code)
            }
            source.resume()
            sources.append(source)
        }
    }

    func register(_ url: URL) { lock.lock(); paths.insert(url); lock.unlock() }

    /// Runs `moveIntoPlace` and forgets `url`, unless an interrupt arrived first (then it throws):
    /// the handler never removes a folder while it is being committed, nor commits one it is removing.
    func committing(_ url: URL, _ moveIntoPlace: () throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !interrupted else { throw LoupeError(.io, file: url.path, "interrupted before the run was complete") }
        try moveIntoPlace()
        paths.remove(url)
    }
    func unregister(_ url: URL) { lock.lock(); paths.remove(url); lock.unlock() }

    /// Whether SIGINT or SIGTERM arrived (the handler is then stopping the children and will exit).
    var isInterrupted: Bool { lock.lock(); defer { lock.unlock() }; return interrupted }

    /// Tracks a running job process whose leftovers in `jobFolder` must go if the batch is interrupted.
    func registerChild(_ pid: pid_t, jobFolder: URL) {
        lock.lock()
        children[pid] = jobFolder
        let late = interrupted
        lock.unlock()
        if late { kill(pid, SIGTERM) }
    }

    func unregisterChild(_ pid: pid_t) { lock.lock(); children[pid] = nil; lock.unlock() }

    /// Forwards the signal to every job process, waits for each (at most 10 s, then SIGKILL) and removes its leftovers.
    private func markInterrupted() { lock.lock(); interrupted = true; lock.unlock() }

    private func stopChildren(forwarding signalNumber: Int32) {
        lock.lock()
        let running = children
        lock.unlock()
        for pid in running.keys { kill(pid, signalNumber) }
        for (pid, jobFolder) in running {
            Interrupts.waitForExit(pid, seconds: 10)
            RunFolder.removeLeftovers(ofProcess: pid, in: jobFolder)
        }
    }

    /// Polls until `pid` has ended (reaped here or by the thread waiting for it); kills it after `seconds`.
    private static func waitForExit(_ pid: pid_t, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) { return }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return
            }
            usleep(20_000)
        }
    }

    private func cleanUp() {
        lock.lock()
        let pending = paths
        lock.unlock()
        for url in pending {
            try? FileManager.default.removeItem(at: url)
            rmdir(url.deletingLastPathComponent().path)  // the job folder, when this run created it and nothing else is there
        }
    }
}
