import Foundation
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// SHA-256 against the FIPS 180-4 examples, fed whole, in uneven pieces, as a slice and from a file.
final class SHA256Tests: XCTestCase {
    static let examples: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    func testKnownDigests() {
        for (message, digest) in Self.examples { XCTAssertEqual(SHA256.hex(Data(message.utf8)), digest, "\(message.prefix(10))") }
    }

    /// Pieces that straddle the 64-byte blocks give the digest of the whole message.
    func testPiecesAndSlicesGiveTheSameDigest() {
        let message = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let whole = SHA256.hex(message)
        for pieceSize in [1, 3, 63, 64, 65, 200] {
            var hasher = SHA256()
            var start = 0
            while start < message.count {
                hasher.update(message[start..<min(message.count, start + pieceSize)])
                start += pieceSize
            }
            XCTAssertEqual(hasher.finish(), whole, "pieces of \(pieceSize)")
        }
        let framed = Data([1, 2, 3]) + message + Data([4])
        XCTAssertEqual(SHA256.hex(framed[3..<(3 + message.count)]), whole, "a slice is hashed from its own start")
    }

    func testFileDigest() throws {
        let folder = try makeTemporaryDirectory(self)
        let path = folder.appendingPathComponent("million-a").path
        let (message, digest) = Self.examples[3]
        try Data(message.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(SHA256.hex(file: path), digest)
        XCTAssertNil(SHA256.hex(file: folder.appendingPathComponent("missing").path))
    }
}
