import Foundation
import LoupeTensor

/// Images in the torchvision `ImageFolder` layout: `root/<class>/<...>/<image>.png|jpg|jpeg`.
///
/// Class names are the subfolder names sorted by code point; files are found recursively and
/// sorted by relative path. Files with other extensions are ignored and counted in
/// `ignoredFileCount`; hidden files and folders (leading `.`) are skipped silently. The file type is taken from the leading bytes, so
/// a PNG named `.jpg` still decodes.
public struct ImageFolderDataset: Dataset {
    public let root: String
    public let name: String
    public let classNames: [String]
    /// Paths of the images, relative to `root`, in index order.
    public let files: [String]
    public let labels: [Int]
    /// Files skipped for not having an image extension.
    public let ignoredFileCount: Int
    public let preprocessing: Preprocessing
    public let sampleShape: [Int]
    public let fingerprint: String
    /// Images whose header claims more pixels than this are refused before decoding.
    public let maxPixels: Int

    /// Extensions (lower-cased) taken as images.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Scans `root`; when `preprocessing` gives no fixed size, the first image's size is the sample size.
    public init(root: String, preprocessing: Preprocessing, maxPixels: Int = defaultMaxPixels) throws {
        try preprocessing.validate()
        self.root = root
        self.preprocessing = preprocessing
        self.maxPixels = maxPixels
        name = URL(fileURLWithPath: root).lastPathComponent
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LoupeError(.io, file: root, "image folder does not exist or is not a directory")
        }
        let entries = (try? manager.contentsOfDirectory(atPath: root)) ?? []
        var classes = [String]()
        for entry in entries where !entry.hasPrefix(".") {
            var dir: ObjCBool = false
            if manager.fileExists(atPath: root + "/" + entry, isDirectory: &dir) {
                if dir.boolValue { classes.append(entry) }
            } else {
                try Self.refuseLinkLoop(root + "/" + entry)
            }
        }
        classes.sort { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        guard !classes.isEmpty else {
            throw LoupeError(.invalidInput, file: root, "no class subfolders (expected root/<class>/<image>)")
        }
        var files = [String](), labels = [Int](), ignored = 0
        for (label, className) in classes.enumerated() {
            let (images, skipped) = try Self.scan(root: root, relative: className)
            ignored += skipped
            files += images
            labels += Array(repeating: label, count: images.count)
        }
        guard !files.isEmpty else {
            throw LoupeError(.invalidInput, file: root, "no PNG or JPEG images in the class subfolders")
        }
        classNames = classes
        self.files = files
        self.labels = labels
        ignoredFileCount = ignored
        if let fixed = preprocessing.fixedOutputSize {
            sampleShape = [preprocessing.channels, fixed.height, fixed.width]
        } else {
            let first = root + "/" + files[0]
            let image = try ImageCodec.decodeFile(atPath: first, maxPixels: maxPixels)
            let size = preprocessing.outputSize(height: image.height, width: image.width)
            sampleShape = [preprocessing.channels, size.height, size.width]
        }
        fingerprint = FingerprintHasher.dataset(kind: "image-folder", preprocessing: preprocessing, classNames: nil,
                                                files: files.map { (root + "/" + $0, $0) })
    }

    /// Image files under `root/relative` (recursive, sorted) and the count of other files.
    private static func scan(root: String, relative: String) throws -> (images: [String], ignored: Int) {
        var images = [String](), ignored = 0
        // A class folder may itself be a symbolic link; links below it are not followed.
        let directory = URL(fileURLWithPath: root + "/" + relative).resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return ([], 0) }
        var paths = [String]()
        while let entry = walker.nextObject() as? String {
            let components = entry.split(separator: "/")
            if components.contains(where: { $0.hasPrefix(".") }) { walker.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            let full = directory + "/" + entry
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                try refuseLinkLoop(full)
                continue
            }
            if !isDirectory.boolValue { paths.append(entry) }
        }
        for path in paths.sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }) {
            let ext = (path as NSString).pathExtension.lowercased()
            if imageExtensions.contains(ext) { images.append(relative + "/" + path) } else { ignored += 1 }
        }
        return (images, ignored)
    }

    /// Refuses `path` in one line when it is a symbolic link that leads back to itself (`ELOOP`), rather than
    /// skipping it silently; other entries that cannot be followed (a dangling link) are left to the caller.
    private static func refuseLinkLoop(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) != 0, errno == ELOOP else { return }
        throw LoupeError(.invalidInput, file: path, "symbolic link loop (too many levels of symbolic links); fix or remove the link")
    }

    public var count: Int { files.count }

    /// The full path of sample `index` (which must be in `0..<count`).
    public func path(of index: Int) -> String { root + "/" + files[index] }

    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        try checkIndices(indices, file: root)
        let root = root, files = files, maxPixels = maxPixels, channels = preprocessing.channels
        let images = try assembleBatch(indices, sampleShape: sampleShape, preprocessing: preprocessing,
                                       sampleName: { root + "/" + files[$0] }) { index in
            try ImageCodec.decodeFile(atPath: root + "/" + files[index], maxPixels: maxPixels).pixelImage(channels: channels)
        }
        return (images, indices.map { labels[$0] })
    }
}
