// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CRMHub",
    platforms: [.macOS(.v15)],
    // The command is the product. Connectors (the format readers, HubCore's errors and positions) is the one
    // library another package may build on; every other module shares with its siblings as `package`.
    products: [
        .executable(name: "crmhub", targets: ["crmhub"]),
        .library(name: "Connectors", targets: ["Connectors"]),
        // The credit calculator and the arrears rules, for the CRM to call itself.
        .library(name: "Loans", targets: ["Loans"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
        // Already there under postgres-nio; named so that loads can open their channels themselves (LoadConnection).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Outbound HTTP: ZUP's OData interface (and the PBX and Exchange APIs after it).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // The webhook receiver (crmhub serve webhooks) and the local protocol test servers on 127.0.0.1.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // Types every module shares: errors with locations, source positions, exact money and dates,
        // and the rows of the warehouse contract that Mapping produces and CRMWarehouse loads.
        .target(name: "HubCore"),
        // libxml2 (Debian: libxml2-dev): the SAX2 push parser behind Connectors' streaming XML reader.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // libical (Debian: libical-dev): RFC 5545 properties and the RRULE iterator of the calendar import.
        .systemLibrary(name: "CLibical", pkgConfig: "libical", providers: [.apt(["libical-dev"])]),
        // glibc's <malloc.h>, for mallopt: the CLI caps malloc's arenas (Sources/crmhub/main.swift).
        .systemLibrary(name: "CMalloc"),
        // CLDR's Windows -> IANA time-zone mapping from ICU (Debian: libicu-dev), behind a header free of ICU types.
        .target(name: "CWindowsZones", linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc")]),
        // One folder per external system; parsers stream typed records with their source position.
        .target(
            name: "Connectors",
            dependencies: [
                "HubCore", "CLibXML2", "CLibical", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            // The XML reader's state lives in a class that libxml2's C callbacks reach millions of times per
            // file; the run-time exclusivity checks on it cost about 5% of a 1C import. The compile-time
            // checks stay; debug builds (the tests) keep the run-time ones too.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Normalisation and key resolution: connector records -> warehouse rows.
        .target(
            name: "Mapping",
            dependencies: ["HubCore", "Connectors", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Owns PostgreSQL: embedded cluster, migrations, COPY loader, report queries.
        .target(
            name: "CRMWarehouse",
            dependencies: [
                "HubCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Migrations")]
        ),
        // Reading the project's YAML documents like a compiler: positions, all errors at once, limits on
        // hostile input, secrets as references only.
        .target(
            name: "HubConfiguration",
            dependencies: ["HubCore", .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The accountants' reconciliation: purpose-text reading, the rule engine, the rules file, a run.
        .target(
            name: "Reconciliation",
            dependencies: [
                "HubCore", "HubConfiguration", "CRMWarehouse", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // HR's attendance: the rules that turn punches into attendance days (no I/O), their settings, a build.
        .target(
            name: "Attendance",
            dependencies: [
                "HubCore", "Connectors", "HubConfiguration", "CRMWarehouse", .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The call centre: phone calls classified, clients by the customer's rules, the settings (no I/O).
        .target(
            name: "Calls",
            dependencies: ["HubCore", "Connectors", "HubConfiguration", .product(name: "Yams", package: "Yams")]
        ),
        // Outlook and Exchange calendars: time zones (CLDR through ICU), recurrence expanded over a window (libical's
        // RRULE iterator, in the series' own zone), overrides and cancellations (no I/O).
        .target(name: "Calendars", dependencies: ["HubCore", "Connectors", "CLibical", "CWindowsZones"]),
        // Loans: the credit calculator (schedules to the tiyin), days past due and buckets (no I/O), the settings,
        // the daily arrears snapshot.
        .target(
            name: "Loans",
            dependencies: ["HubCore", "HubConfiguration", "CRMWarehouse", .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The files people open: CSV reports and the accountants' reconciliation workbook.
        .target(name: "Reports", dependencies: ["HubCore", "Connectors", "CRMWarehouse", "Loans"]),
        // Runs jobs: job files, cron schedules in a time zone, step kinds, retries, the scheduler loop.
        .target(
            name: "Scheduler",
            dependencies: [
                "HubConfiguration", "Ingest", "Calls", "Reconciliation", "Reports", "Attendance", "CRMWarehouse", "HubCore",
                "Loans",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Wires a source kind end to end: connector -> mapping -> warehouse load, with progress.
        .target(
            name: "Ingest",
            dependencies: [
                "HubCore", "Connectors", "Mapping", "CRMWarehouse", "Attendance", "HubConfiguration", "Calls",
                "Calendars", "Loans", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // MANGO OFFICE's webhooks (crmhub serve webhooks).
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // Stand-ins for the customer's systems on 127.0.0.1 (an Exchange mailbox over EWS), for the protocol tests
        // and the demo, where none is reachable: CRMHub's real clients talk to them over HTTP.
        .target(
            name: "LocalServers",
            dependencies: ["Connectors", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "crmhub",
            dependencies: [
                "Ingest", "CRMWarehouse", "HubCore", "Connectors", "Scheduler", "Reconciliation", "Reports",
                "HubConfiguration", "Attendance", "Calls", "Calendars", "Loans", "LocalServers", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Not a test: the bank-1c import against `psql \copy`, the 1C XML import against `xmllint --stream`.
        .executableTarget(
            name: "CRMHubBenchmarks",
            dependencies: [
                "Ingest", "CRMWarehouse", "HubCore", "Connectors", "Mapping", "Reconciliation", "CLibXML2", "Calendars",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ConnectorsTests",
            // ZIPFoundation: the XLSX tests open the written workbook's parts directly.
            dependencies: ["Connectors", "HubCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]
        ),
        // The warehouse's value types, without a database (the database's side is in IntegrationTests).
        .testTarget(name: "CRMWarehouseTests", dependencies: ["CRMWarehouse"]),
        .testTarget(name: "MappingTests", dependencies: ["Mapping", "Connectors", "HubCore"]),
        // Fixtures are read from the source tree (#filePath), not bundled.
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "HubConfiguration", "Reconciliation", "Reports", "Ingest", "HubCore", "Mapping", "Connectors"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ReconciliationTests", dependencies: ["Reconciliation", "HubCore"]),
        .testTarget(name: "AttendanceTests", dependencies: ["Attendance", "Connectors", "HubCore"]),
        .testTarget(name: "CallsTests", dependencies: ["Calls", "Connectors", "HubCore"]),
        .testTarget(name: "CalendarsTests", dependencies: ["Calendars", "Connectors", "HubCore"]),
        // Fixtures (the independent oracle's schedules) are read from the source tree (#filePath).
        .testTarget(name: "LoansTests", dependencies: ["Loans", "HubCore", "HubConfiguration"], exclude: ["Fixtures"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Ingest", "CRMWarehouse", "HubCore", "Connectors", "Mapping", "Scheduler", "Reconciliation",
                "Reports", "Attendance", "Calls", "Calendars", "LocalServers",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
