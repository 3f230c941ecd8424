/// The rows 1C:ZUP's staff objects become (`core.individuals`, `core.hr_units`, `core.employees`,
/// `core.employee_history`). Each keeps where it stood in the message.

/// `Справочник.ФизическиеЛица`: a person, whatever their employments.
public struct IndividualRow: Sendable, Equatable {
    public var ref: String
    public var fullName: String
    public var lastName: String?
    public var firstName: String?
    public var middleName: String?
    public var birthDate: CalendarDate?
    /// The 9-digit taxpayer number, when the identifier given is one.
    public var inn: String?
    /// The 14-digit personal identification number (ПИНФЛ), when the identifier given is one.
    public var pinfl: String?
    public var position: XMLPosition

    public init(ref: String, fullName: String, lastName: String? = nil, firstName: String? = nil,
                middleName: String? = nil, birthDate: CalendarDate? = nil, inn: String? = nil, pinfl: String? = nil,
                position: XMLPosition) {
        self.ref = ref
        self.fullName = fullName
        self.lastName = lastName
        self.firstName = firstName
        self.middleName = middleName
        self.birthDate = birthDate
        self.inn = inn
        self.pinfl = pinfl
        self.position = position
    }
}

/// `Справочник.Подразделения` or `Справочник.Должности`: a name by reference.
public struct StaffUnitRow: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case department, position
    }

    public var kind: Kind
    public var ref: String
    public var name: String
    public var position: XMLPosition

    public init(kind: Kind, ref: String, name: String, position: XMLPosition) {
        self.kind = kind
        self.ref = ref
        self.name = name
        self.position = position
    }
}

/// `Справочник.Сотрудники`: one employment of a person, known to HR by its personnel number.
public struct EmployeeRow: Sendable, Equatable {
    public var ref: String?
    public var personnelNumber: String
    public var name: String?
    public var individualRef: String?
    public var organization: String?
    /// `Архив`: 1C keeps former employees in the catalogue marked archived.
    public var archived: Bool?
    public var position: XMLPosition

    public init(ref: String?, personnelNumber: String, name: String?, individualRef: String?, organization: String?,
                archived: Bool?, position: XMLPosition) {
        self.ref = ref
        self.personnelNumber = personnelNumber
        self.name = name
        self.individualRef = individualRef
        self.organization = organization
        self.archived = archived
        self.position = position
    }
}

/// What an HR event does to an employment.
public enum EmploymentEventKind: String, Sendable, CaseIterable {
    case hire, transfer, dismissal
}

/// One record of `Справочник.КадроваяИсторияСотрудников`: a hire, transfer or dismissal on a date, with the
/// department and position from then on. The records of one registrar (the object's `Ссылка`) are replaced
/// together when 1C sends it again.
public struct EmploymentEventRow: Sendable, Equatable {
    public var registrarRef: String
    /// 1-based, in the object's order.
    public var recordNo: Int
    public var employee: EmployeeRow
    public var event: EmploymentEventKind
    /// `ВидСобытия` as 1C wrote it.
    public var eventText: String
    public var effectiveOn: CalendarDate
    public var departmentRef: String?
    public var department: String?
    public var positionRef: String?
    public var jobTitle: String?
    public var contractKind: String?
    public var rate: ExactAmount?
    public var validUntil: CalendarDate?
    public var position: XMLPosition

    public init(registrarRef: String, recordNo: Int, employee: EmployeeRow, event: EmploymentEventKind,
                eventText: String, effectiveOn: CalendarDate, departmentRef: String? = nil, department: String? = nil,
                positionRef: String? = nil, jobTitle: String? = nil, contractKind: String? = nil,
                rate: ExactAmount? = nil, validUntil: CalendarDate? = nil, position: XMLPosition) {
        self.registrarRef = registrarRef
        self.recordNo = recordNo
        self.employee = employee
        self.event = event
        self.eventText = eventText
        self.effectiveOn = effectiveOn
        self.departmentRef = departmentRef
        self.department = department
        self.positionRef = positionRef
        self.jobTitle = jobTitle
        self.contractKind = contractKind
        self.rate = rate
        self.validUntil = validUntil
        self.position = position
    }
}

/// What one staff object becomes.
public enum StaffRow: Sendable, Equatable {
    case individual(IndividualRow)
    case unit(StaffUnitRow)
    case employee(EmployeeRow)
    /// The records of one `КадроваяИсторияСотрудников` object, all of them (possibly none: 1C cleared it).
    case history(registrarRef: String, records: [EmploymentEventRow], position: XMLPosition)
}
