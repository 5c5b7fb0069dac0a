import Foundation
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Archives whose sizes would exhaust memory are refused before they are inflated.
final class NPZHostileTests: XCTestCase {
    /// A member whose `.npy` header needs 8 data bytes but which inflates to 32 MiB is refused from
    /// its first 64 KiB, without inflating the rest.
    func testMemberLongerThanItsHeaderIsRefusedBeforeInflating() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/trailing_bomb.npz").path
        assertLoupeError(try NPZ.read(path: path), contains: [path, "x.npy", "fewer than the declared 33554568 bytes", "header declares 136"])
    }

    /// A compressed member larger than the memory budget is refused from its declared size.
    func testMemberOverTheBudgetIsRefused() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample_compressed.npz").path
        let saved = MemoryBudget.bytes
        defer { MemoryBudget.bytes = saved }
        MemoryBudget.bytes = 100
        assertLoupeError(try NPZ.read(path: path), contains: [path, "inflates to", "memory budget of 100 bytes"])
        MemoryBudget.bytes = saved
        XCTAssertEqual(try NPZ.read(path: path).count, 4)
    }
}
