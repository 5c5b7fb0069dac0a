import Foundation
import LoupeTensor

#if canImport(Glibc)
import Glibc
#endif

/// What every shard of one job must agree on before a merge combines them.
struct ShardIdentity: Equatable {
    /// SHA-256 of the resolved job config (without its output folder).
    var configHash: String
    var modelSHA256: String
    var datasetFingerprint: String
    var loupeVersion: String
    var job: String
    /// Images in the dataset.
    var images: Int

    /// The config hash of a job: SHA-256 of its resolved settings, leaving out where reports go.
    static func configHash(_ job: JobConfig) -> String {
        guard case .object(let entries) = SummaryValue(reflecting: job) else { return SHA256.hex(Data(job.name.utf8)) }
        return SHA256.hex(Data(SummaryValue.object(entries.filter { $0.0 != "output_folder" }).json(pretty: false).utf8))
    }

    /// The folder holding every config's shards of a job: `<output>/<job>/shards`.
    static func jobFolder(for job: JobConfig) -> String {
        URL(fileURLWithPath: job.outputFolder).appendingPathComponent(job.name).appendingPathComponent("shards").path
    }

    /// The folder holding a job's shards for one config: `<output>/<job>/shards/<first 16 hex digits of the config hash>`.
    static func folder(for job: JobConfig) -> String {
        URL(fileURLWithPath: jobFolder(for: job)).appendingPathComponent(String(configHash(job).prefix(16))).path
    }
}

/// One `.loupeshard` file: a text header and the parts' binary payloads (format: docs/sharding.md).
///
/// Layout: the line `loupeshard 1`, one line of JSON (identity, shard index and count, each part's
/// name and byte length, the payload's SHA-256), then the payloads back to back.
struct ShardFile {
    static let magic = "loupeshard"
    static let formatVersion = 1
    static let fileExtension = "loupeshard"

    var identity: ShardIdentity
    var shard: ShardSpec
    /// Part name (`evaluation` or a section name) and its encoded payload, in job order.
    var parts: [(name: String, payload: Data)]

    static func fileName(_ shard: ShardSpec) -> String { "\(shard).\(fileExtension)" }

    /// The two header lines; the payload's checksum is taken over the parts where they lie (no concatenation).
    func header() -> Data {
        var checksum = SHA256()
        for part in parts { checksum.update(part.payload) }
        let header = SummaryValue.object([
            ("format_version", .integer(Self.formatVersion)), ("loupe_version", .text(identity.loupeVersion)),
            ("job", .text(identity.job)), ("config_hash", .text(identity.configHash)),
            ("model_sha256", .text(identity.modelSHA256)), ("dataset_fingerprint", .text(identity.datasetFingerprint)),
            ("images", .integer(identity.images)), ("shard", .integer(shard.index)), ("shards", .integer(shard.count)),
            ("parts", .list(parts.map { .object([("name", .text($0.name)), ("bytes", .integer($0.payload.count))]) })),
            ("payload_sha256", .text(checksum.finish())),
        ]).json(pretty: false)
        return Data("\(Self.magic) \(Self.formatVersion)\n\(header)\n".utf8)
    }

    /// What separates a shard's file name from its writer's tag (`TemporaryOwner`) in a temporary name.
    static let temporaryMarker = ".tmp-"

    /// Writes under a name no other writer uses, then renames into place: a killed shard leaves no
    /// `.loupeshard` file, and of two shards with one index the last to finish wins whole.
    ///
    /// The hidden temporary file carries this host and pid (`.I-of-N.loupeshard.tmp-<pid>-<random>-<host>`),
    /// so when SIGKILL strikes between write and rename, `removeAbandoned(in:)` can later tell it is orphaned.
    /// SIGINT and SIGTERM remove it on the way out.
    func write(into folder: String) throws -> String {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(Self.fileName(shard)).path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw LoupeError(.io, file: folder, "cannot create the shard folder")
        }
        let temporary = URL(fileURLWithPath: folder)
            .appendingPathComponent(".\(Self.fileName(shard))\(Self.temporaryMarker)\(TemporaryOwner.freshTag())")
        Interrupts.shared.register(temporary)
        defer { Interrupts.shared.unregister(temporary) }
        do {
            try Self.writeDurably([header()] + parts.map(\.payload), to: temporary.path)
            try Interrupts.shared.committing(temporary) {
                guard rename(temporary.path, path) == 0 else { throw LoupeError(.io, file: path, "cannot rename the shard into place") }
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
        return path
    }

    /// Creates `path` (which must not exist) with `pieces` one after another, flushed to the disk before the
    /// caller renames it.
    private static func writeDurably(_ pieces: [Data], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LoupeError(.io, file: path, "cannot write the shard") }
        defer { close(descriptor) }
        let written = pieces.allSatisfy { piece in
            piece.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count, let base = raw.baseAddress {
                    let count = Glibc.write(descriptor, base + offset, raw.count - offset)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return false }
                    offset += count
                }
                return true
            }
        }
        guard written, fsync(descriptor) == 0 else { throw LoupeError(.io, file: path, "cannot write the shard") }
    }

    /// Removes the temporary files that writers on this host left in `<output>/<job>/shards/` (every config's
    /// folder) when they were killed between write and rename; returns their paths.
    ///
    /// A file whose writer still runs, or that was written on another host, is never touched.
    @discardableResult
    static func removeAbandoned(in shardsFolder: String) -> [String] {
        var removed = [String]()
        let configs = ((try? FileManager.default.contentsOfDirectory(atPath: shardsFolder)) ?? []).filter { !$0.hasPrefix(".") }
        for config in configs.sorted() {
            let folder = URL(fileURLWithPath: shardsFolder).appendingPathComponent(config)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where name.hasPrefix(".") {
                guard let marker = name.range(of: ".\(fileExtension)\(temporaryMarker)"),
                      let owner = TemporaryOwner(tag: name[marker.upperBound...]), owner.hasEnded else { continue }
                let path = folder.appendingPathComponent(name).path
                if unlink(path) == 0 { removed.append(path) }
            }
        }
        return removed
    }

    /// Reads and checks a shard file: magic, version, header, payload length and checksum.
    static func read(path: String) throws -> ShardFile {
        let data = try RegularFile.contents(path, failure: "cannot read the shard")
        guard let firstBreak = data.firstIndex(of: 10), let secondBreak = data[(firstBreak + 1)...].firstIndex(of: 10) else {
            throw LoupeError(.invalidInput, file: path, location: "header", "not a Loupe shard (no header lines)")
        }
        let first = String(decoding: data[data.startIndex..<firstBreak], as: UTF8.self)
        guard first == "\(magic) \(formatVersion)" else {
            throw LoupeError(.invalidInput, file: path, location: "line 1",
                             first.hasPrefix(magic) ? "shard format '\(first)' is not version \(formatVersion); rerun the shard"
                                                    : "not a Loupe shard")
        }
        let header: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONValue.parse(Data(data[(firstBreak + 1)..<secondBreak])) else {
                throw LoupeError(.invalidInput, file: path, location: "line 2", "the header is not a JSON object")
            }
            header = object
        } catch let error as LoupeError {
            throw error
        } catch {
            throw LoupeError(.invalidInput, file: path, location: "line 2", "the header is not JSON: \(error)")
        }
        func text(_ key: String) throws -> String {
            guard case .string(let value)? = header[key] else { throw LoupeError(.invalidInput, file: path, location: key, "missing from the header") }
            return value
        }
        func integer(_ key: String) throws -> Int {
            guard case .number(let value)? = header[key], let whole = Int(exactly: value) else {
                throw LoupeError(.invalidInput, file: path, location: key, "missing from the header")
            }
            return whole
        }
        let identity = ShardIdentity(configHash: try text("config_hash"), modelSHA256: try text("model_sha256"),
                                     datasetFingerprint: try text("dataset_fingerprint"), loupeVersion: try text("loupe_version"),
                                     job: try text("job"), images: try integer("images"))
        let shard: ShardSpec
        do { shard = try ShardSpec(index: try integer("shard"), count: try integer("shards")) } catch {
            throw LoupeError(.invalidInput, file: path, location: "shard", "impossible shard index or count")
        }
        let payload = data[(secondBreak + 1)...]
        // Hashed where it lies in the file's buffer, and the parts below are slices of it: no copies.
        guard SHA256.hex(payload) == (try text("payload_sha256")) else {
            throw LoupeError(.invalidInput, file: path, location: "payload", "checksum mismatch (the file was changed or cut short)")
        }
        guard case .array(let listed)? = header["parts"] else { throw LoupeError(.invalidInput, file: path, location: "parts", "missing from the header") }
        var parts = [(name: String, payload: Data)]()
        var offset = payload.startIndex
        for entry in listed {
            guard case .object(let part) = entry, case .string(let name)? = part["name"], case .number(let size)? = part["bytes"],
                  let bytes = Int(exactly: size), bytes >= 0, payload.endIndex - offset >= bytes else {
                throw LoupeError(.invalidInput, file: path, location: "parts", "a part's name or length is wrong")
            }
            parts.append((name, payload[offset..<(offset + bytes)]))
            offset += bytes
        }
        guard offset == payload.endIndex else { throw LoupeError(.invalidInput, file: path, location: "payload", "bytes after the last part") }
        return ShardFile(identity: identity, shard: shard, parts: parts)
    }
}
