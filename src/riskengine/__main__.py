from riskengine.cli import main

main()
