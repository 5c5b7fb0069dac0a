import Dispatch
import Foundation
import LoupeTensor

/// A job's output folder, built under a temporary name and moved into place only when complete.
///
/// Files go to `<output>/<job>/.<run-id>.partial/`; `commit()` renames that folder to
/// `<output>/<job>/<run-id>/`. A failed or interrupted job removes the temporary folder, so no
/// partial report is ever left behind.
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
        temporaryURL = jobURL.appendingPathComponent(".\(runID).partial")
        do {
            try FileManager.default.createDirectory(at: jobURL, withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: temporaryURL.path) { try FileManager.default.removeItem(at: temporaryURL) }
            try FileManager.default.createDirectory(at: temporaryURL, withIntermediateDirectories: false)
        } catch {
            throw LoupeError(.io, file: jobURL.path, location: "output", "cannot create the output folder (\(error.localizedDescription))")
        }
        guard FileManager.default.isWritableFile(atPath: temporaryURL.path) else {
            throw LoupeError(.io, file: jobURL.path, location: "output", "the output folder is not writable")
        }
        Interrupts.shared.register(temporaryURL)
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
    public func commit() throws {
        do {
            if FileManager.default.fileExists(atPath: finalURL.path) { try FileManager.default.removeItem(at: finalURL) }
            try FileManager.default.moveItem(at: temporaryURL, to: finalURL)
        } catch {
            throw LoupeError(.io, file: finalURL.path, "cannot move the finished run into place (\(error.localizedDescription))")
        }
        committed = true
        Interrupts.shared.unregister(temporaryURL)
    }

    /// Removes the temporary folder (after a failure).
    public func discard() {
        guard !committed else { return }
        try? FileManager.default.removeItem(at: temporaryURL)
        Interrupts.shared.unregister(temporaryURL)
    }
}

/// Removes registered temporary folders when SIGINT or SIGTERM arrives, then exits (130 / 143).
final class Interrupts: @unchecked Sendable {
    static let shared = Interrupts()
    private let lock = NSLock()
    private var paths = Set<URL>()
    private var sources: [DispatchSourceSignal] = []

    private init() {
        for (signalNumber, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                self?.cleanUp()
                FileHandle.standardError.write(Data("loupe: interrupted; temporary files removed\n".utf8))
                exit(code)
            }
            source.resume()
            sources.append(source)
        }
    }

    func register(_ url: URL) { lock.lock(); paths.insert(url); lock.unlock() }
    func unregister(_ url: URL) { lock.lock(); paths.remove(url); lock.unlock() }

    private func cleanUp() {
        lock.lock()
        let pending = paths
        lock.unlock()
        for url in pending { try? FileManager.default.removeItem(at: url) }
    }
}
