import HubCore
import NIOCore

/// Reads PostgreSQL's binary array form of `date[]` and `numeric[]` straight into days and tiyin.
///
/// Hand-written because postgres-nio decodes neither `numeric[]` nor `date[]`, and decoding each numeric
/// through `Decimal` and each date through `Date` was most of the arrears snapshot's time. The layouts are
/// PostgreSQL's `array_send` (dimensions, then each element as a length and its bytes, -1 for NULL), `date_send`
/// (days since 2000-01-01 as int32) and `numeric_send` (digit count, weight, sign, scale, then base-10000 digits).
enum PackedColumns {
    struct Malformed: Error, CustomStringConvertible {
        var what: String
        var description: String { "an unexpected binary \(what) from PostgreSQL" }
    }

    static func instalments(due: ByteBuffer?, principal: ByteBuffer?, interest: ByteBuffer?) throws -> [InstalmentDue] {
        let days = try elements(due, what: "date[]").map { try date($0) }
        let principal = try elements(principal, what: "numeric[]").map { try tiyin($0) ?? 0 }
        let interest = try elements(interest, what: "numeric[]").map { try tiyin($0) ?? 0 }
        guard days.count == principal.count, days.count == interest.count else { throw Malformed(what: "schedule") }
        return days.indices.map {
            InstalmentDue(dueDate: days[$0], principalTiyin: principal[$0], interestTiyin: interest[$0])
        }
    }

    static func repayments(date dates: ByteBuffer?, amount: ByteBuffer?, principal: ByteBuffer?, interest: ByteBuffer?,
                           penalty: ByteBuffer?) throws -> [LoanRepayment] {
        let days = try elements(dates, what: "date[]").map { try date($0) }
        let amounts = try elements(amount, what: "numeric[]").map { try tiyin($0) ?? 0 }
        let principal = try elements(principal, what: "numeric[]").map(tiyin)
        let interest = try elements(interest, what: "numeric[]").map(tiyin)
        let penalty = try elements(penalty, what: "numeric[]").map(tiyin)
        guard [amounts.count, principal.count, interest.count, penalty.count].allSatisfy({ $0 == days.count }) else {
            throw Malformed(what: "repayments")
        }
        return days.indices.map {
            LoanRepayment(date: days[$0], amountTiyin: amounts[$0], principalTiyin: principal[$0],
                          interestTiyin: interest[$0], penaltyTiyin: penalty[$0])
        }
    }

    /// The elements of a one-dimensional array (nil ones for NULL); none for a NULL array.
    static func elements(_ array: ByteBuffer?, what: String) throws -> [ByteBuffer?] {
        guard var buffer = array else { return [] }
        guard let (dimensions, _, _) = buffer.readMultipleIntegers(endianness: .big, as: (Int32, Int32, UInt32).self)
        else { throw Malformed(what: what) }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let (count, _) = buffer.readMultipleIntegers(endianness: .big, as: (Int32, Int32).self)
        else { throw Malformed(what: what) }
        var elements: [ByteBuffer?] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = buffer.readInteger(endianness: .big, as: Int32.self) else { throw Malformed(what: what) }
            if length < 0 {
                elements.append(nil)
            } else {
                guard let element = buffer.readSlice(length: Int(length)) else { throw Malformed(what: what) }
                elements.append(element)
            }
        }
        return elements
    }

    static let epoch2000 = CalendarDate.dayNumber(year: 2000, month: 1, day: 1)

    static func date(_ element: ByteBuffer?) throws -> CalendarDate {
        guard var element, let days = element.readInteger(endianness: .big, as: Int32.self) else {
            throw Malformed(what: "date")
        }
        return CalendarDate(dayNumber: epoch2000 + Int(days))
    }

    /// A numeric in hundredths, rounded half-up past the second decimal; nil for NULL.
    static func tiyin(_ element: ByteBuffer?) throws -> Int64? {
        guard var element else { return nil }
        guard let (digits, weight, sign, _) = element.readMultipleIntegers(endianness: .big,
                                                                            as: (Int16, Int16, UInt16, Int16).self),
              sign == 0x0000 || sign == 0x4000 else { throw Malformed(what: "numeric") }
        var value: Int64 = 0
        var roundUp = false
        for index in 0..<Int(digits) {
            guard let digit = element.readInteger(endianness: .big, as: Int16.self) else { throw Malformed(what: "numeric") }
            let exponent = Int(weight) - index
            if exponent >= 0 {
                var term = Int64(digit) * 100
                for _ in 0..<exponent { term *= 10_000 }
                value += term
            } else if exponent == -1 {
                value += Int64(digit) / 100
                roundUp = digit % 100 >= 50
            }
        }
        if roundUp { value += 1 }
        return sign == 0x4000 ? -value : value
    }
}
