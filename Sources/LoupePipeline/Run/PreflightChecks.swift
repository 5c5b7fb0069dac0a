import Foundation
import LoupeData
import LoupeTensor

/// Checks that an output folder exists as a writable folder or can be created, before any work is done.
enum OutputFolderCheck {
    /// Throws a one-line I/O error when `path` is not a writable folder and cannot be created.
    ///
    /// The nearest existing folder on the path must accept a new file: a probe file is created there
    /// and removed, which also catches read-only file systems and holds for root, whom modes do not stop.
    static func check(_ path: String, location: String) throws {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var missing = false
        while true {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    let reason = missing ? "the output folder cannot be created: \(url.path) is not a folder" : "the output path is not a folder"
                    throw LoupeError(.io, file: path, location: location, reason)
                }
                break
            }
            missing = true
            let parent = url.deletingLastPathComponent()
            guard parent.path != url.path else { break }
            url = parent
        }
        let probe = url.appendingPathComponent(".loupe-write-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw LoupeError(.io, file: path, location: location,
                             missing ? "the output folder cannot be created in \(url.path) (\(reason))" : "the output folder is not writable (\(reason))")
        }
        close(descriptor)
        unlink(probe)
    }
}

/// `loupe validate` on an image-folder dataset: every file must be an image, and a sample must decode.
enum ImageFolderCheck {
    /// At most this many images are decoded in full; the rest get a header check only.
    static let decodedSample = 2_000

    /// Checks the leading bytes of every file (PNG or JPEG signature) and fully decodes an evenly spaced
    /// sample of at most `decodedSample` images (all of them in smaller folders); returns how many were decoded.
    static func check(_ dataset: ImageFolderDataset) throws -> Int {
        for index in 0..<dataset.count {
            let path = dataset.path(of: index)
            let (descriptor, _) = try RegularFile.open(path, failure: "cannot open the image")
            var head = [UInt8](repeating: 0, count: 8)
            let length = head.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 8) }
            close(descriptor)
            let bytes = Array(head.prefix(max(length, 0)))
            guard ImageCodec.isPNG(bytes) || ImageCodec.isJPEG(bytes) else {
                throw LoupeError(.invalidInput, file: path, location: "header", "not a PNG or JPEG file (unrecognised leading bytes)")
            }
        }
        let sample = evenlySpaced(count: dataset.count, at: decodedSample)
        for index in sample {
            _ = try ImageCodec.decodeFile(atPath: dataset.path(of: index), maxPixels: dataset.maxPixels)
        }
        return sample.count
    }

    /// `limit` indices spread evenly over `0..<count`, first and last included (all when `count <= limit`).
    static func evenlySpaced(count: Int, at limit: Int) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        guard limit > 1 else { return [0] }
        return (0..<limit).map { $0 * (count - 1) / (limit - 1) }
    }
}
