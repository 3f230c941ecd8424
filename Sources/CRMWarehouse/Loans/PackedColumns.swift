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
        let days = try dates(due)
        let principal = try Self.amounts(principal), interest = try Self.amounts(interest)
        guard days.count == principal.count, days.count == interest.count else { throw Malformed(what: "schedule") }
        var instalments: [InstalmentDue] = []
        instalments.reserveCapacity(days.count)
        for index in days.indices {
            instalments.append(InstalmentDue(dueDate: days[index], principalTiyin: principal[index] ?? 0,
                                             interestTiyin: interest[index] ?? 0))
        }
        return instalments
    }

    static func repayments(date: ByteBuffer?, amount: ByteBuffer?, principal: ByteBuffer?, interest: ByteBuffer?,
                           penalty: ByteBuffer?) throws -> [LoanRepayment] {
        let days = try dates(date)
        let paid = try Self.amounts(amount), principal = try Self.amounts(principal)
        let interest = try Self.amounts(interest), penalty = try Self.amounts(penalty)
        guard [paid.count, principal.count, interest.count, penalty.count].allSatisfy({ $0 == days.count }) else {
            throw Malformed(what: "repayments")
        }
        var repayments: [LoanRepayment] = []
        repayments.reserveCapacity(days.count)
        for index in days.indices {
            repayments.append(LoanRepayment(date: days[index], amountTiyin: paid[index] ?? 0,
                                            principalTiyin: principal[index], interestTiyin: interest[index],
                                            penaltyTiyin: penalty[index]))
        }
        return repayments
    }

    /// Reads a one-dimensional array's header and hands each element's length (-1 for NULL) to `element`, which
    /// reads exactly that many bytes from the buffer; nothing for a NULL or empty array.
    static func forEachElement(_ array: ByteBuffer?, what: String,
                               _ element: (inout ByteBuffer, Int32) throws -> Void) throws {
        guard var buffer = array else { return }
        guard let (dimensions, _, _) = buffer.readMultipleIntegers(endianness: .big, as: (Int32, Int32, UInt32).self)
        else { throw Malformed(what: what) }
        if dimensions == 0 { return }
        guard dimensions == 1, let (count, _) = buffer.readMultipleIntegers(endianness: .big, as: (Int32, Int32).self)
        else { throw Malformed(what: what) }
        for _ in 0..<count {
            guard let length = buffer.readInteger(endianness: .big, as: Int32.self),
                  length <= buffer.readableBytes else { throw Malformed(what: what) }
            let before = buffer.readerIndex
            try element(&buffer, length)
            if length > 0 { buffer.moveReaderIndex(to: before + Int(length)) }
        }
    }

    static func dates(_ array: ByteBuffer?) throws -> [CalendarDate] {
        var dates: [CalendarDate] = []
        try forEachElement(array, what: "date[]") { buffer, length in
            guard length == 4, let days = buffer.readInteger(endianness: .big, as: Int32.self) else {
                throw Malformed(what: "date")
            }
            dates.append(CalendarDate(dayNumber: epoch2000 + Int(days)))
        }
        return dates
    }

    /// Numerics in hundredths (nil for NULL), rounded half-up past the second decimal.
    static func amounts(_ array: ByteBuffer?) throws -> [Int64?] {
        var amounts: [Int64?] = []
        try forEachElement(array, what: "numeric[]") { buffer, length in
            amounts.append(length < 0 ? nil : try tiyin(&buffer))
        }
        return amounts
    }

    static let epoch2000 = CalendarDate.dayNumber(year: 2000, month: 1, day: 1)

    /// One `numeric_send` value in hundredths.
    static func tiyin(_ element: inout ByteBuffer) throws -> Int64 {
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
