import Foundation
import LoupeTensor

/// Reads tensor payloads stored outside the model file (`data_location: EXTERNAL`).
///
/// Only regular files inside the model's folder are read: absolute locations, `..`
/// components, symlinks resolving outside the folder, and files with more than one hard
/// link (which could lead anywhere on the same file system) are refused. Only the bytes the
/// tensor needs are read.
struct ExternalDataReader {
    /// The folder holding the model file.
    let folder: String

    init(modelPath: String) {
        let url = URL(fileURLWithPath: modelPath)
        folder = url.deletingLastPathComponent().path
    }

    /// Reads exactly `byteCount` bytes described by the tensor's `external_data` entries.
    func read(_ entries: [Onnx_StringStringEntryProto], byteCount: Int, location: String,
              fail: (String, String) -> LoupeError) throws -> Data {
        func refuse(_ reason: String) -> LoupeError { fail(location, "external data: " + reason) }
        var fields: [String: String] = [:]
        for entry in entries {
            guard fields[entry.key] == nil else { throw refuse("key '\(entry.key)' is given twice") }
            fields[entry.key] = entry.value
        }
        guard let relative = fields["location"], !relative.isEmpty else { throw refuse("empty or missing location") }
        guard !relative.hasPrefix("/") else { throw refuse("absolute location '\(relative)' is not allowed") }
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "\\", omittingEmptySubsequences: false) }
        guard !components.contains("..") else { throw refuse("location '\(relative)' must not contain '..'") }
        guard !relative.contains("\0") else { throw refuse("location contains a NUL character") }
        let offset = try parseSize(fields["offset"], key: "offset", refuse: refuse) ?? 0
        let length = try parseSize(fields["length"], key: "length", refuse: refuse)

        // Resolve symlinks in both the folder and the file, then require containment.
        guard let realFolder = realPath(folder) else { throw refuse("cannot resolve the model folder '\(folder)'") }
        guard let realFile = realPath(folder + "/" + relative) else { throw refuse("cannot open '\(relative)'") }
        let prefix = realFolder.hasSuffix("/") ? realFolder : realFolder + "/"
        guard realFile.hasPrefix(prefix) else { throw refuse("'\(relative)' resolves outside the model folder") }

        // Non-blocking open: a FIFO planted as external data must be refused, not waited on.
        guard let (descriptor, info) = try? RegularFile.open(realFile, noFollow: true) else {
            throw refuse("'\(relative)' cannot be opened or is not a regular file")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        guard info.st_nlink <= 1 else {
            throw refuse("'\(relative)' has \(info.st_nlink) hard links (refused: a hard link may lead outside the model folder)")
        }
        let fileSize = Int(info.st_size)
        guard offset <= fileSize else { throw refuse("offset \(offset) is past the end of '\(relative)' (\(fileSize) bytes)") }
        let available = fileSize - offset
        let wanted = length ?? available
        guard wanted <= available else {
            throw refuse("offset \(offset) + length \(wanted) is past the end of '\(relative)' (\(fileSize) bytes)")
        }
        guard wanted == byteCount else { throw refuse("length \(wanted) does not match the \(byteCount) bytes the dims need") }

        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: byteCount) ?? Data()
            guard data.count == byteCount else { throw refuse("'\(relative)' ended early (file changed while reading?)") }
            return data
        } catch let error as LoupeError {
            throw error
        } catch {
            throw refuse("cannot read '\(relative)'")
        }
    }

    private func parseSize(_ text: String?, key: String, refuse: (String) -> LoupeError) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else { throw refuse("invalid \(key) '\(text)'") }
        return value
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
