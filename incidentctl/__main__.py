from incidentctl.cli.app import main

main()
